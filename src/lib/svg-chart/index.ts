export * from './axes';
export * from './bars';
export * from './inspect';
