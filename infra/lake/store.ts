import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * Where the lake's objects live: a directory with the bucket's layout (the embedded default) or
 * an S3 bucket. Callers name objects by key and never know which.
 */
export interface LakeStore {
  /** For logs and the operator: `/path/to/lake` or `s3://bucket`. */
  readonly location: string;
  /** Stores the local file under `key`, replacing what was there: readers see the old object or the new, whole. */
  put(key: string, file: string): Promise<void>;
  /** The keys under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** A local path holding the object: the file itself for a directory, a download into `scratch` for S3. */
  local(key: string, scratch: string): Promise<string>;
  /** Deletes the object (nothing when it is gone already). */
  remove(key: string): Promise<void>;
}

export class DirectoryLake implements LakeStore {
  constructor(private readonly root: string) {}

  /**
   * The path of a key or prefix, which must stay inside the lake: `../` reached the directory above
   * it (the stack's data) through `tributary logs compact --prefix`.
   */
  private pathOf(key: string): string {
    const path = join(this.root, key);
    const inside = relative(this.root, path);
    if (inside.startsWith('..') || isAbsolute(inside) || isAbsolute(key))
      throw new RangeError(`"${key}" is not a key of the lake: it leads outside ${this.root}`);
    return path;
  }

  get location(): string {
    return this.root;
  }

  async put(key: string, file: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    // Copy beside the target, then rename over it: a reader never sees half a file.
    const partial = `${target}.partial-${process.pid}`;
    await copyFile(file, partial);
    try {
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const start = this.pathOf(prefix);
    const entries = await readdir(start, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    return entries
      .filter((entry) => entry.isFile() && !entry.name.includes('.partial-'))
      .map((entry) => relative(this.root, join(entry.parentPath, entry.name)).split('\\').join('/'))
      .sort();
  }

  async local(key: string, _scratch?: string): Promise<string> {
    return this.pathOf(key);
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

export class S3Lake implements LakeStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  get location(): string {
    return `s3://${this.bucket}`;
  }

  async put(key: string, file: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: await readFile(file) }));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async local(key: string, scratch: string): Promise<string> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const target = join(scratch, key);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await object.Body!.transformToByteArray());
    return target;
  }

  async remove(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

/** The configured lake: the directory (the embedded default) or the bucket. */
export function lakeStoreOf(
  lake: { readonly target: 'directory' | 's3'; readonly directory: string; readonly bucket: string },
  s3: S3Client,
): LakeStore {
  return lake.target === 's3' ? new S3Lake(s3, lake.bucket) : new DirectoryLake(lake.directory);
}
