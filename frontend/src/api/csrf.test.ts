import { csrfHeaders, readCookie } from './csrf';

describe('CSRF header', () => {
  const cookies = 'theme=dark; csrftoken=abc%3D123; other=x';
  it('reads the csrftoken cookie', () => {
    expect(readCookie('csrftoken', cookies)).toBe('abc=123');
    expect(readCookie('missing', cookies)).toBeNull();
  });
  it('sends X-CSRF-Token on unsafe methods only', () => {
    expect(csrfHeaders('POST', cookies)).toEqual({ 'X-CSRF-Token': 'abc=123' });
    expect(csrfHeaders('delete', cookies)).toEqual({ 'X-CSRF-Token': 'abc=123' });
    expect(csrfHeaders('GET', cookies)).toEqual({});
    expect(csrfHeaders('POST', 'a=b')).toEqual({});
  });
});
