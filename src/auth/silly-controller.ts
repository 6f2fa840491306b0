/** registry:2's `silly` controller, for testing: any Authorization header is accepted, none gets a Bearer challenge. */
import type { Request } from "express";
import { bearerChallenge } from "./challenge.js";
import { UNRESTRICTED, type AccessController, type Authorization } from "./controller.js";
import type { ResourceAccess } from "./scope.js";

export class SillyController implements AccessController {
  constructor(
    private readonly realm: string,
    private readonly service: string,
  ) {}

  async authenticate(req: Request): Promise<Authorization> {
    if (!req.headers.authorization) return { ...UNRESTRICTED, isAdmin: false };
    return UNRESTRICTED;
  }

  async authorize(req: Request, wanted: ResourceAccess[]): Promise<Authorization> {
    if (!req.headers.authorization) throw bearerChallenge({ realm: this.realm, service: this.service, wanted });
    return UNRESTRICTED;
  }
}
