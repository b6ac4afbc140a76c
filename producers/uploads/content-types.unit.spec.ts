import { describe, expect, it } from 'vitest';
import { contentTypeAllowed, essenceOf } from './content-types.ts';

const ALLOWED = ['image/*', 'application/pdf'];

describe('contentTypeAllowed', () => {
  it('when the type is in an allowed family, then it is allowed', () => {
    expect(contentTypeAllowed('image/jpeg', ALLOWED)).toBe(true);
    expect(contentTypeAllowed('IMAGE/PNG; charset=binary', ALLOWED)).toBe(true);
  });

  it('when the type is named exactly, then it is allowed', () => {
    expect(contentTypeAllowed('application/pdf', ALLOWED)).toBe(true);
  });

  it('when the type is neither, then it is refused', () => {
    expect(contentTypeAllowed('application/x-msdownload', ALLOWED)).toBe(false);
    expect(contentTypeAllowed('application/pdfx', ALLOWED)).toBe(false);
  });

  it('when the value is not a media type at all, then it is refused', () => {
    expect(contentTypeAllowed('image', ALLOWED)).toBe(false);
    expect(contentTypeAllowed('image/*', ALLOWED)).toBe(false);
    expect(contentTypeAllowed('', ALLOWED)).toBe(false);
  });

  it('when a type carries parameters, then its essence is the lower-cased type/subtype', () => {
    expect(essenceOf(' Text/Plain ; charset=UTF-8')).toBe('text/plain');
  });
});
