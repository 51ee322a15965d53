export * from './errors';
export * from './schemas/common';
export * from './schemas/auth';
export * from './schemas/health';
