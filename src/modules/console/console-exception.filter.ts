import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { serialize } from 'cookie';
import type { FastifyReply } from 'fastify';
import { ConsoleRequest } from './console-auth.guard';
import { SESSION_COOKIE } from './console-session.service';
import { errorPage } from './views/misc.view';

/**
 * Console errors as HTML pages instead of the API's JSON: a GET without a
 * session goes to the sign-in page (303), anything else is rendered with its
 * status (401, 403, 404, 409, 400) and a message; a 5xx hides its cause.
 */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ConsoleExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<ConsoleRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    if (status === 401 && request.method === 'GET') {
      void reply
        .header(
          'set-cookie',
          serialize(SESSION_COOKIE, '', { path: '/console', maxAge: 0, httpOnly: true, sameSite: 'strict' }),
        )
        .header('cache-control', 'no-store')
        .redirect('/console/sign-in', 303);
      return;
    }
    let message = 'The console could not answer this request; the error is logged.';
    if (exception instanceof HttpException && status < 500) {
      const body = exception.getResponse();
      message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? exception.message);
    } else {
      this.logger.error({ msg: 'console request failed', err: exception, url: request.url, requestId: request.id });
    }
    void reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(errorPage(null, status, message).value);
  }
}
