import { describe, expect, it } from 'vitest';
import { sniffDialect } from './sniff.ts';

const auto = { encoding: 'auto', delimiter: 'auto' } as const;

describe('sniffDialect', () => {
  it('when the file is plain UTF-8 with commas, then it reads UTF-8 and commas', () => {
    expect(sniffDialect(Buffer.from('account_id,amount\nA,1\n'), auto)).toEqual({
      encoding: 'utf-8',
      delimiter: ',',
      bom: false,
    });
  });

  it('when the file starts with a UTF-8 BOM, then the BOM is noted and semicolons are found', () => {
    const head = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('account_id;amount;"a,b"\n')]);
    expect(sniffDialect(head, auto)).toEqual({ encoding: 'utf-8', delimiter: ';', bom: true });
  });

  it('when the bytes are not UTF-8 (a Latin-1 é), then it reads Latin-1', () => {
    const head = Buffer.from('account_id\tdescription\nA\tCaf\xe9\n', 'latin1');
    expect(sniffDialect(head, auto)).toEqual({ encoding: 'latin1', delimiter: '\t', bom: false });
  });

  it('when a UTF-8 file has one corrupt line in its head, then it still reads UTF-8 (its É are not garbled into Ã\x89)', () => {
    const head = Buffer.concat([
      Buffer.from('account_id,description\nA,CAFÉ\nB,CRÈME BRÛLÉE\n', 'utf8'),
      Buffer.from([0x43, 0x2c, 0x42, 0x41, 0x44, 0x20, 0xff, 0xfe, 0x0a]),
      Buffer.from('D,CAFÉ AFTER\n', 'utf8'),
    ]);
    expect(sniffDialect(head, auto)).toMatchObject({ encoding: 'utf-8' });
    // Latin-1 with several accents and no UTF-8 sequence stays Latin-1.
    expect(sniffDialect(Buffer.from('a,b\nx,Caf\xe9 cr\xe8me br\xfbl\xe9e\n', 'latin1'), auto)).toMatchObject({
      encoding: 'latin1',
    });
  });

  it('when a multi-byte character is cut at the end of the head, then it is still UTF-8', () => {
    const full = Buffer.from('a,b\nCafé', 'utf8');
    expect(sniffDialect(full.subarray(0, full.length - 1), auto)).toMatchObject({ encoding: 'utf-8' });
  });

  it('when delimiters are quoted in the header, then they do not count', () => {
    expect(sniffDialect(Buffer.from('"a;b;c";d|e|f\n'), auto)).toMatchObject({ delimiter: '|' });
  });

  it('when the encoding and delimiter are configured, then they win', () => {
    expect(sniffDialect(Buffer.from('a,b\n'), { encoding: 'latin1', delimiter: 'semicolon' })).toEqual({
      encoding: 'latin1',
      delimiter: ';',
      bom: false,
    });
  });

  it('when the file is UTF-16, then it is refused with what to do', () => {
    expect(sniffDialect(Buffer.from([0xff, 0xfe, 0x61, 0x00]), auto)).toEqual({
      problem: 'the file is UTF-16; save it as UTF-8 (or Latin-1)',
    });
  });
});
