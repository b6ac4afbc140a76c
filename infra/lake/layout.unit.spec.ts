import { describe, expect, it } from 'vitest';
import { hourOfFolder, visibleObjects } from './layout.ts';

const folder = 'logs/environment=dev/organization=org-1/logtype=web/year=2026/month=11/day=22/hour=10';

describe('visibleObjects', () => {
  it('when a compacted file covers smaller ones not deleted yet, then readers see the compacted file only', () => {
    const keys = [
      `${folder}/logs.entries+0+1-5.parquet`,
      `${folder}/logs.entries+0+7-9.parquet`,
      `${folder}/logs.entries+0+1-9.parquet`,
    ];
    expect(visibleObjects(keys)).toEqual([`${folder}/logs.entries+0+1-9.parquet`]);
  });

  it('when files of other Kafka partitions or a later range sit beside it, then they stay visible', () => {
    const keys = [
      `${folder}/logs.entries+0+1-9.parquet`,
      `${folder}/logs.entries+1+2-3.parquet`,
      `${folder}/logs.entries+0+12-14.parquet`,
    ];
    expect(visibleObjects(keys)).toEqual(keys);
  });

  it('when a folder is named, then its hour is read from it', () => {
    expect(hourOfFolder(folder)?.toISOString()).toBe('2026-11-22T10:00:00.000Z');
  });
});
