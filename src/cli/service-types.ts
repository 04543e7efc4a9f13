/**
 * What the command line sends and reads. The responses are the API contract (src/common/api-contract.ts), shared
 * with the server and the browser page; the command line sends the contract's request bodies.
 */

export type {
  ChainBody,
  CreateGenerationBody,
  Crop,
  ExtendBody,
  GenerationStatus,
  GenerationView,
  SegmentView,
  UploadedImage,
} from '../common/api-contract.js';

// The service's own rule (pure, case-insensitive): succeeded, failed or cancelled.
export { isTerminal } from '../video-gen/generation.js';
