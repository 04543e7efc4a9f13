import { labelBoxes, pixelLabelFilter } from './pixel-label.js';

describe('pixel label', () => {
  it('draws each run of lit font pixels as one box, letters 6 font pixels apart', () => {
    // "I": a full top and bottom row and a centre column of five single pixels.
    expect(labelBoxes('I', 1, 0, 0)).toEqual([
      { x: 0, y: 0, w: 5, h: 1 },
      ...[1, 2, 3, 4, 5].map((y) => ({ x: 2, y, w: 1, h: 1 })),
      { x: 0, y: 6, w: 5, h: 1 },
    ]);
    const two = labelBoxes('II', 2, 10, 20);
    expect(two[0]).toEqual({ x: 10, y: 20, w: 10, h: 2 });
    expect(two[7]).toEqual({ x: 10 + 12, y: 20, w: 10, h: 2 });
  });

  it('refuses characters the font does not have, rather than drawing nothing', () => {
    expect(() => labelBoxes('SIMULATED?', 1, 0, 0)).toThrow('no glyph');
  });

  it('builds a drawbox chain scaled to about a quarter of the frame width, on a dark band', () => {
    const filter = pixelLabelFilter('SIMULATED', 320);
    const boxes = filter.split(',');
    expect(boxes[0]).toMatch(/^drawbox=x=0:y=0:w=\d+:h=\d+:color=black@0.6:t=fill$/);
    expect(boxes.slice(1).every((b) => /^drawbox=x=\d+:y=\d+:w=\d+:h=\d+:color=white:t=fill$/.test(b))).toBe(
      true,
    );
    const bandWidth = Number(/w=(\d+)/.exec(boxes[0])![1]);
    expect(bandWidth).toBeGreaterThan(320 / 8);
    expect(bandWidth).toBeLessThanOrEqual(320 / 2);
    // Never smaller than one pixel per font pixel, even on a tiny frame.
    expect(pixelLabelFilter('SIMULATED', 16)).toContain('w=1:h=1');
  });
});
