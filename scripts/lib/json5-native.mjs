// json5's ESM build carries three generated Unicode tables (about 19 KB minified): the characters
// of the JSON5 grammar's Space_Separator (Zs), ID_Start (UnicodeLetter: Lu Ll Lt Lm Lo Nl) and
// ID_Continue (ID_Start + Mn Mc Nd Pc), from Unicode 10. Modern JavaScript has the same classes as
// regex property escapes, so the bundle uses those instead. json5 tests a single code point at a
// time and checks ASCII, `$`, `_` and the other spaces before it reaches these tables, so matching
// those characters here too changes nothing. test/unit/bundle.test.ts checks every code
// point the tables match is matched by the replacements.

export const NATIVE = {
  Space_Separator: String.raw`/\p{Zs}/u`,
  ID_Start: String.raw`/[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Lo}\p{Nl}]/u`,
  ID_Continue: String.raw`/[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Lo}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u`,
};

/** json5/dist/index.mjs with its tables replaced; throws when a table is not where expected. */
export function patchJson5(text) {
  let out = text;
  for (const [name, re] of Object.entries(NATIVE)) {
    const decl = new RegExp(`^var ${name} = /.*/;$`, 'm');
    if (!decl.test(out))
      throw new Error(`json5-native: "var ${name} = /…/;" not found in json5's dist/index.mjs (json5 changed?)`);
    out = out.replace(decl, `var ${name} = ${re};`);
  }
  return out;
}

/** The table regexes as json5 ships them (for the test). */
export function originalTables(text) {
  const out = {};
  for (const name of Object.keys(NATIVE)) {
    const m = new RegExp(`^var ${name} = (/.*/);$`, 'm').exec(text);
    if (!m) throw new Error(`json5-native: ${name} not found`);
    out[name] = m[1];
  }
  return out;
}
