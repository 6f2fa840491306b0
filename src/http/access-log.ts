/** One structured access line per request, written when the response finishes or the client goes away. */
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";

export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    let logged = false;
    const log = (event: "finish" | "close") => {
      if (logged) return;
      logged = true;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        {
          method: req.method,
          url: req.originalUrl,
          status: res.statusCode,
          bytesOut: Number(res.getHeader("Content-Length") ?? 0),
          ms: Math.round(ms * 10) / 10,
          remote: req.socket.remoteAddress,
          userAgent: req.headers["user-agent"],
          ...(event === "close" ? { aborted: true } : {}),
        },
        "request",
      );
    };
    res.once("finish", () => log("finish"));
    res.once("close", () => log(res.writableFinished ? "finish" : "close"));
    next();
  };
}
