// The hand-written SHA-256 and HMAC agree with the published test vectors and with node:crypto,
// so a receiver verifying with its platform's HMAC accepts every delivery.
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { hex, hmacSha256, sha256, signatureHeader, utf8 } from '../src/server/signature.ts';

const bytesOf = (hexText: string) => Uint8Array.from(Buffer.from(hexText, 'hex'));
const ascii = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));

describe('sha256', () => {
  test.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ])('of %j is the FIPS 180-2 digest', (message, digest) => {
    expect(hex(sha256(ascii(message)))).toBe(digest);
  });

  test('of a million times "a" is the FIPS 180-2 digest', () => {
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  test('agrees with node:crypto on every length around the block and padding boundaries, and on random input', () => {
    const lengths = [...Array.from({ length: 200 }, (_, i) => i), 1023, 1024, 1025, 65_537];
    for (const length of [...lengths, ...Array.from({ length: 50 }, () => randomInt(0, 5000))]) {
      const message = randomBytes(length);
      expect(hex(sha256(Uint8Array.from(message))), `length ${length}`).toBe(
        createHash('sha256').update(message).digest('hex'),
      );
    }
  });
});

describe('hmacSha256', () => {
  // RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (case 5 truncates the output).
  test.each([
    [
      '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
      Buffer.from('Hi There').toString('hex'),
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    ],
    [
      Buffer.from('Jefe').toString('hex'),
      Buffer.from('what do ya want for nothing?').toString('hex'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    ['aa'.repeat(20), 'dd'.repeat(50), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
    [
      '0102030405060708090a0b0c0d0e0f10111213141516171819',
      'cd'.repeat(50),
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    ],
    [
      'aa'.repeat(131),
      Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First').toString('hex'),
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
    [
      'aa'.repeat(131),
      Buffer.from(
        'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
      ).toString('hex'),
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('RFC 4231: key %s', (key, data, mac) => {
    expect(hex(hmacSha256(bytesOf(key), bytesOf(data)))).toBe(mac);
  });

  test('agrees with node:crypto for keys shorter than, as long as, and longer than a block', () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const message = randomBytes(randomInt(0, 3000));
      expect(hex(hmacSha256(Uint8Array.from(key), Uint8Array.from(message))), `key ${keyLength}`).toBe(
        createHmac('sha256', key).update(message).digest('hex'),
      );
    }
  });
});

describe('utf8 and signatureHeader', () => {
  test('encode text as Node does: accents, CJK, emoji, and a lone surrogate as U+FFFD', () => {
    for (const text of [
      '',
      'plain',
      'é€',
      '漢字',
      '🚀 fibre',
      'a\uD800b',
      '\uDC00',
      'end\uD83D',
      '\u007f\u0080\u07ff\u0800\uffff',
    ]) {
      expect(Buffer.from(utf8(text)).toString('hex'), JSON.stringify(text)).toBe(
        Buffer.from(text, 'utf8').toString('hex'),
      );
    }
  });

  test('is what a receiver computes with its own HMAC over the raw body', () => {
    const body = JSON.stringify({ id: 'x', type: 'invoice.issued', data: { note: 'Überfällig — 💸' } });
    expect(signatureHeader('whsec-ünïcode', body)).toBe(
      `sha256=${createHmac('sha256', 'whsec-ünïcode').update(body, 'utf8').digest('hex')}`,
    );
  });
});
