// Password hashing (scrypt) and the password policy (OWASP ASVS 2.1). Passwords are never
// stored, logged or echoed in clear: only the self-describing hash leaves this file.
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

const LOG_N = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Shortest and longest acceptable password, in characters (ASVS 2.1.1, 2.1.2). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

// What a stored hash may ask for: parameters outside these bounds are not ours and would let a
// forged row make verification arbitrarily slow.
const MAX_LOG_N = 20;
const MAX_BLOCK_SIZE = 16;
const MAX_PARALLELISM = 4;
const STORED = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** A valid hash of a random password nobody knows: verified against when the account does not exist. */
export const DUMMY_HASH = 'scrypt$15$8$1$zNBpfU6BK1ZcuDRSrYOvWQ==$S0+jt9mU0OL7XnlJmcgDG3CmYljGzrhXApPycJ9w74E=';

/** Hashes `password` with scrypt (N=2^15, r=8, p=1) and a fresh salt: `scrypt$15$8$1$<salt>$<hash>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, LOG_N, BLOCK_SIZE, PARALLELISM);
  return `scrypt$${LOG_N}$${BLOCK_SIZE}$${PARALLELISM}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` matches `stored` (compared in constant time); false, never a throw, when `stored` is malformed. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = typeof stored === 'string' ? STORED.exec(stored) : null;
  if (!parsed) return false;
  const [, logN, r, p, saltText, hashText] = parsed.map(String) as [string, string, string, string, string, string];
  const params = [Number(logN), Number(r), Number(p)] as const;
  if (params[0] < 1 || params[0] > MAX_LOG_N || params[1] < 1 || params[1] > MAX_BLOCK_SIZE) return false;
  if (params[2] < 1 || params[2] > MAX_PARALLELISM) return false;
  const salt = Buffer.from(saltText, 'base64');
  const expected = Buffer.from(hashText, 'base64');
  if (salt.length < 8 || expected.length < 16 || expected.length > 64) return false;
  const actual = await derive(password, salt, expected.length, ...params);
  return timingSafeEqual(actual, expected);
}

/** Spends the time of one password check and answers false: sign-in of an unknown account takes as long as a wrong password. */
export async function verifyAgainstNothing(password = ''): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}

/**
 * What is wrong with `password` as a new password (empty when nothing): length 12 to 128
 * characters, not only whitespace, not one of the most common passwords (also with digits or
 * symbols appended), and not containing the local part of the account's `email`.
 */
export function passwordProblems(password: string, options: { email?: string } = {}): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters long (it has ${length})`);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters long (it has ${length})`);
  }
  if (length > 0 && password.trim() === '') problems.push('must not be only whitespace');
  if (isCommon(password)) problems.push('is one of the most commonly used passwords: choose one less guessable');
  const local = options.email?.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 3 && password.toLowerCase().includes(local)) {
    problems.push('must not contain the first part of your email address');
  }
  return problems;
}

/** A common password as typed, or followed by digits or symbols ("password1234!"). */
function isCommon(password: string): boolean {
  const lower = password.trim().toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return true;
  const base = lower.replace(/[\d\s!@#$%^&*._?+-]+$/u, '');
  return base.length > 0 && base !== lower && COMMON_PASSWORDS.has(base);
}

/** scrypt with its memory ceiling set from N and r (Node's default 32 MiB is exactly N=2^15, r=8, and refuses it). */
function derive(password: string, salt: Buffer, length: number, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

// The most used passwords of public breach corpora (lower case). The short ones also catch
// their padded forms ("qwerty123456", "password!!!!") through isCommon.
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '123456',
  '123456789',
  '12345678',
  '1234567890',
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123123123123',
  '123412341234',
  '111111111111',
  '000000000000',
  '987654321098',
  '147258369',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  '1qaz2wsx3edc4rfv',
  'qazwsxedcrfv',
  'zaq12wsxcde3',
  'qwerty',
  'qwertyuiop',
  'qwertyuiopasdfghjkl',
  'qwertyqwerty',
  'asdfghjkl',
  'asdfasdfasdf',
  'zxcvbnm',
  'zxcvbnmasdfghjkl',
  'abcdefghijkl',
  'abcdefghijklmnop',
  'abcd1234abcd',
  'abc123abc123',
  'aaaaaaaaaaaa',
  'password',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'passwordpassword',
  'password12345678',
  'mypassword',
  'changeme',
  'changemenow',
  'letmein',
  'letmeinnow',
  'welcome',
  'welcometo',
  'iloveyou',
  'iloveyouforever',
  'admin',
  'administrator',
  'adminadmin',
  'root',
  'rootroot',
  'default',
  'guest',
  'test',
  'testtest',
  'secret',
  'topsecret',
  'trustno1',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'basketball',
  'soccer',
  'superman',
  'batman',
  'spiderman',
  'starwars',
  'pokemon',
  'princess',
  'sunshine',
  'shadow',
  'master',
  'mustang',
  'michael',
  'jennifer',
  'jordan',
  'hunter',
  'ranger',
  'harley',
  'charlie',
  'ashley',
  'bailey',
  'buster',
  'freedom',
  'whatever',
  'computer',
  'internet',
  'corvette',
  'hello',
  'helloworld',
  'loveme',
  'lovely',
  'flower',
  'summer',
  'winter',
  'chocolate',
  'cheese',
  'killer',
  'access',
  'login',
  'qwe123qwe123',
  'onetwothreefour',
]);
