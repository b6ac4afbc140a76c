import avro from 'avsc';

/**
 * Why a new schema cannot read data written with an old one (BACKWARD compatibility), one line
 * per offending field with its path: `payload.amountMinor changed from string to long`,
 * `payload.merchant was added without a default`. Empty when the new schema reads the old.
 */
export function backwardProblems(reader: avro.Type, writer: avro.Type, path = ''): string[] {
  if (reader instanceof avro.types.RecordType && writer instanceof avro.types.RecordType) {
    const problems: string[] = [];
    for (const field of reader.fields) {
      const fieldPath = path ? `${path}.${field.name}` : field.name;
      const names = [field.name, ...field.aliases];
      const written = writer.fields.find((candidate) => names.includes(candidate.name));
      if (!written) {
        if (field.defaultValue() === undefined) problems.push(`${fieldPath} was added without a default`);
        continue;
      }
      problems.push(...backwardProblems(field.type, written.type, fieldPath));
    }
    return problems;
  }
  if (reader instanceof avro.types.ArrayType && writer instanceof avro.types.ArrayType) {
    return backwardProblems(reader.itemsType, writer.itemsType, `${path}[]`);
  }
  if (reader instanceof avro.types.MapType && writer instanceof avro.types.MapType) {
    return backwardProblems(reader.valuesType, writer.valuesType, `${path}{}`);
  }
  try {
    reader.createResolver(writer);
    return [];
  } catch (error) {
    const where = path || '(the event)';
    if (reader instanceof avro.types.EnumType && writer instanceof avro.types.EnumType) {
      const removed = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
      return [`${where} no longer has the enum symbol(s) ${removed.join(', ')} and no default symbol`];
    }
    return [`${where} changed from ${label(writer)} to ${label(reader)} (${(error as Error).message})`];
  }
}

function label(type: avro.Type): string {
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    return `[${type.types.map(label).join(', ')}]`;
  }
  return type.name ?? type.typeName;
}
