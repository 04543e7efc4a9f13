/**
 * A text label drawn with ffmpeg's `drawbox` filter, one box per run of lit pixels of a 5x7 bitmap font.
 * drawtext needs libfreetype and an installed font, which a fresh machine with only `ffmpeg` may lack;
 * drawbox is in every build. Only the characters the service labels with are in the font.
 */
const GLYPHS: Record<string, string[]> = {
  S: ['01111', '10000', '10000', '01110', '00001', '00001', '11110'],
  I: ['11111', '00100', '00100', '00100', '00100', '00100', '11111'],
  M: ['10001', '11011', '10101', '10101', '10001', '10001', '10001'],
  U: ['10001', '10001', '10001', '10001', '10001', '10001', '01110'],
  L: ['10000', '10000', '10000', '10000', '10000', '10000', '11111'],
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
  T: ['11111', '00100', '00100', '00100', '00100', '00100', '00100'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  D: ['11110', '10001', '10001', '10001', '10001', '10001', '11110'],
  ' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
};

const GLYPH_WIDTH = 5;
const GLYPH_HEIGHT = 7;

export interface PixelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The lit rectangles of `text` at `scale` pixels per font pixel, from (x, y). Pure. */
export function labelBoxes(text: string, scale: number, x: number, y: number): PixelBox[] {
  const boxes: PixelBox[] = [];
  [...text.toUpperCase()].forEach((char, index) => {
    const glyph = GLYPHS[char];
    if (!glyph) throw new Error(`no glyph for ${JSON.stringify(char)} in the label font`);
    const left = x + index * (GLYPH_WIDTH + 1) * scale;
    glyph.forEach((row, r) => {
      for (const run of row.matchAll(/1+/g)) {
        boxes.push({ x: left + run.index * scale, y: y + r * scale, w: run[0].length * scale, h: scale });
      }
    });
  });
  return boxes;
}

/**
 * A filter chain that draws `text` in white on a dark band in the top-left corner of a `width`-wide frame,
 * about a quarter of the width across. Pure.
 */
export function pixelLabelFilter(text: string, width: number): string {
  const columns = text.length * (GLYPH_WIDTH + 1) - 1;
  const scale = Math.max(1, Math.floor(width / 4 / columns));
  const margin = 2 * scale;
  const band = `drawbox=x=0:y=0:w=${columns * scale + 2 * margin}:h=${GLYPH_HEIGHT * scale + 2 * margin}:color=black@0.6:t=fill`;
  const letters = labelBoxes(text, scale, margin, margin).map(
    (b) => `drawbox=x=${b.x}:y=${b.y}:w=${b.w}:h=${b.h}:color=white:t=fill`,
  );
  return [band, ...letters].join(',');
}
