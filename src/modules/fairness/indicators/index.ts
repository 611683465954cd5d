export * from './exposure';
export * from './group-quality';
export * from './popularity-bias';
