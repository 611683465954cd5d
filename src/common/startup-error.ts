/**
 * A dependency named by configuration could not be used at start-up (the
 * broker in KAFKA_BROKERS does not answer, DATABASE_URL refuses the password,
 * DATA_DIR is not writable). The entry point prints the message, which names
 * the variable, and exits non-zero instead of a stack trace.
 */
export class StartupError extends Error {
  constructor(
    readonly variable: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** A postgres:// URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
    // eslint-disable-next-line no-restricted-syntax -- an unparseable URL is shown as such: echoing it could leak a secret
  } catch {
    return '(unparseable URL)';
  }
}

/** Rejects with `error()` when `promise` has not settled within ms (the work itself is not cancelled). */
export function withDeadline<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(error()), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (failure: unknown) => {
        clearTimeout(timer);
        reject(failure instanceof Error ? failure : new Error(String(failure)));
      },
    );
  });
}
