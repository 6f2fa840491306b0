/** Typed storage errors. registry/ maps them to registry error codes in one place. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly driver: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class PathNotFoundError extends StorageError {
  constructor(readonly path: string, driver: string) {
    super(`${driver}: path not found: ${path}`, driver);
  }
}

export class InvalidPathError extends StorageError {
  constructor(readonly path: string, driver: string) {
    super(`${driver}: invalid path: ${JSON.stringify(path)}`, driver);
  }
}

export class InvalidOffsetError extends StorageError {
  constructor(readonly path: string, readonly offset: number, driver: string) {
    super(`${driver}: invalid offset ${offset} for ${path}`, driver);
  }
}

/** The backend is unreachable or kept failing after retries: clients get 503. */
export class StorageUnavailableError extends StorageError {}
