export * from './distributions';
export * from './msprt';
export * from './power';
export * from './proportions';
export * from './srm';
export * from './welch';
