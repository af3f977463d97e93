import { createTheme, darken, type CSSVariablesResolver } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  focusRing: 'auto',
});

const TEXT_SHADE: Record<string, number> = { green: 9, teal: 9, yellow: 9, orange: 9, lime: 9, cyan: 9 };
const COLORS = ['blue', 'indigo', 'violet', 'grape', 'red', 'pink', 'green', 'teal', 'yellow', 'orange', 'lime', 'cyan', 'gray'];

/**
 * Contrast (WCAG AA, checked with axe): in the light scheme, dimmed text and the text of light
 * and filled variants use darker shades than Mantine's defaults.
 */
export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7],
    '--mantine-color-anchor': t.colors.indigo[8],
    ...Object.fromEntries(COLORS.flatMap((c) => [
      [`--mantine-color-${c}-text`, TEXT_SHADE[c] ? darken(t.colors[c][9], 0.1) : t.colors[c][8]],
      [`--mantine-color-${c}-light-color`, TEXT_SHADE[c] ? darken(t.colors[c][9], 0.15) : t.colors[c][9]],
      // hovered light/subtle buttons: Mantine's shade 2 leaves their text under 4.5:1; shade 0 keeps it
      [`--mantine-color-${c}-light-hover`, t.colors[c][0]],
      // white text on filled: the bright hues need a shade darker than Mantine has
      [`--mantine-color-${c}-filled`, TEXT_SHADE[c] ? darken(t.colors[c][9], 0.15) : t.colors[c][8]],
      [`--mantine-color-${c}-filled-hover`, t.colors[c][9]],
      [`--mantine-color-${c}-outline`, t.colors[c][8]],
    ])),
  },
  dark: {},
});
