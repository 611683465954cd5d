// Public surface of common: what other modules may import. Everything else is internal.
export { JsonExceptionFilter, sendJsonError } from './http-exception.filter';
export { createRootLogger, PinoNestLogger } from './logger';
export { ApiOperation, apiOperationOf, type ApiOperationDoc } from './api-operation';
export { redactUrl, StartupError, withDeadline } from './startup-error';
