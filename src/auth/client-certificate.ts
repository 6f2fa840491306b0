/**
 * Mutual TLS for the modes the TLS layer cannot enforce alone. listen.ts asks for a client
 * certificate whenever http.tls.clientcas is set, and refuses the connection itself only for
 * require-and-verify-client-cert (Node's rejectUnauthorized). Here, per request:
 *   require-any-client-cert       a certificate must be presented (it is not checked);
 *   verify-client-cert-if-given   a certificate that is presented must chain to clientcas;
 *   request-client-cert           nothing is required.
 * Refused requests get 401 UNAUTHORIZED saying what is wrong with the certificate.
 */
import type { NextFunction, Request, Response } from "express";
import type { TLSSocket } from "node:tls";
import type { TlsConfig } from "../config/types.js";
import { RegistryError } from "../registry/errors.js";

function presented(socket: TLSSocket): boolean {
  const certificate = socket.getPeerCertificate();
  return certificate !== null && Object.keys(certificate).length > 0;
}

export function clientCertificateCheck(tls: TlsConfig) {
  const refuse = (message: string) => new RegistryError("UNAUTHORIZED", message, undefined, 401);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== "function") {
      next();
      return;
    }
    if (tls.clientauth === "require-any-client-cert" && !presented(socket)) {
      next(refuse("a client certificate is required"));
      return;
    }
    if (tls.clientauth === "verify-client-cert-if-given" && presented(socket) && !socket.authorized) {
      next(refuse(`the client certificate is not trusted (${String(socket.authorizationError)})`));
      return;
    }
    next();
  };
}
