// Tenant colours become CSS variables, with readable text on them; nothing else gets through.
import { describe, expect, it } from 'vitest';
import { brandingVariables, safeColour, textColourOn } from '../src/branding/branding.ts';

describe('branding', () => {
  it('sets the colour variables and a readable text colour on each', () => {
    expect(brandingVariables({ logoUrl: null, primaryColor: '#0b5fff', accentColor: '#ffd400' })).toEqual({
      '--dm-primary': '#0b5fff',
      '--dm-on-primary': '#ffffff',
      '--dm-accent': '#ffd400',
      '--dm-on-accent': '#000000',
    });
    expect(brandingVariables(null)).toEqual({});
  });

  it('refuses a value that could escape its declaration', () => {
    expect(safeColour('red; background: url(x)')).toBeUndefined();
    expect(safeColour('rgb(10, 20, 30)')).toBe('rgb(10, 20, 30)');
    expect(textColourOn('#fff')).toBe('#000000');
    expect(textColourOn('rebeccapurple')).toBeUndefined();
  });
});
