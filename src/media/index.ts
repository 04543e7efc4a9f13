export { MediaService } from './media.service.js';
export type { MediaTools } from './media.service.js';
export { MediaModule } from './media.module.js';
export { MediaError } from './media.error.js';
export type { MediaErrorCode } from './media.error.js';
export { withTempDir } from './media.files.js';
export * from './media.types.js';
export * from './image-types.js';
