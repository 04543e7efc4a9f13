/**
 * Where the image sits in the frame, as fractions of its width and height (seed 000's crop_bounds):
 * 0 <= left < right <= 1 and 0 <= top < bottom <= 1. The one crop shape of the request, the stored
 * parameters, the providers, ffmpeg, the CLI and the page.
 */
export interface Crop {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
