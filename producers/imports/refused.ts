/**
 * A file an importer cannot take at all (wrong columns, an encoding it cannot read): the whole
 * file is refused before anything of it is published, with a message that names what was wrong.
 */
export class ImportRefused extends Error {
  constructor(
    message: string,
    readonly lineNumber: number | null = null,
  ) {
    super(message);
    this.name = 'ImportRefused';
  }
}
