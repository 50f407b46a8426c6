import { describe, expect, it } from 'vitest';
import { bucketPhrase, perBucket } from './bucketWording.js';

describe('bucket wording', () => {
  it('names the bucket by the largest unit that divides it', () => {
    expect(perBucket(60)).toBe('per minute');
    expect(perBucket(300)).toBe('per 5 minutes');
    expect(perBucket(3600)).toBe('per hour');
    expect(perBucket(10_800)).toBe('per 3 hours');
    expect(perBucket(86_400)).toBe('per day');
    expect(bucketPhrase(90)).toBe('90 seconds');
    expect(bucketPhrase(0)).toBe('bucket');
  });
});
