import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/problem';
import { problemMessage } from './problemMessage';

describe('problemMessage', () => {
  it('says a field error once when the detail already says it (an invalid Edit in Review)', () => {
    const err = new ApiError(422, { status: 422, title: 'Validation failed', detail: "canonical: 'invoice.nope' is not a field of invoice",
      errors: [{ field: 'canonical', message: "'invoice.nope' is not a field of invoice" }] });
    expect(problemMessage(err)).toBe("canonical: 'invoice.nope' is not a field of invoice");
  });

  it('adds the field errors the detail does not name', () => {
    const err = new ApiError(422, { status: 422, title: 'Validation failed', detail: 'the body is invalid',
      errors: [{ field: 'cron', message: 'five fields' }] });
    expect(problemMessage(err)).toBe('the body is invalid — cron: five fields');
  });
});
