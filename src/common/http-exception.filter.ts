import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Every error leaves as JSON `{ error: { status, code, message }, requestId }`.
 * Unexpected errors are logged with their stack and answered with a generic
 * message: internals never reach the client.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    void sendJsonError(http.getResponse<FastifyReply>(), http.getRequest<FastifyRequest>(), exception, this.logger);
  }
}

/**
 * Answers an error exactly as the filter does (same body, same logging), for
 * a route served outside Nest's pipeline (serving's /recommend fast path).
 */
export function sendJsonError(
  reply: FastifyReply,
  request: FastifyRequest,
  exception: unknown,
  logger: Pick<Logger, 'error'>,
): FastifyReply {
  const { status, code, message } = describe(exception);
  if (status >= 500) {
    logger.error(
      { requestId: request.id, err: exception instanceof Error ? exception.message : String(exception) },
      exception instanceof Error ? exception.stack : undefined,
    );
  }
  return reply
    .status(status)
    .type('application/json')
    .send({ error: { status, code, message }, requestId: request.id });
}

function describe(exception: unknown): { status: number; code: string; message: string } {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message =
      typeof body === 'string'
        ? body
        : Array.isArray((body as { message?: unknown }).message)
          ? (body as { message: string[] }).message.join('; ')
          : String((body as { message?: unknown }).message ?? exception.message);
    return { status, code: codeFor(status), message };
  }
  // Fastify's own errors (body too large, bad JSON, …) carry a statusCode.
  const statusCode = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, code: codeFor(statusCode), message: (exception as Error).message };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal_error', message: 'Internal server error' };
}

function codeFor(status: number): string {
  return (HttpStatus[status] ?? 'error').toLowerCase();
}
