// The part of libmime's API the MIME walker uses (the package ships no types).
declare module 'libmime' {
  interface LibMime {
    decodeWords(value: string): string;
    decodeWord(charset: string, encoding: 'B' | 'Q', text: string): string;
    parseHeaderValue(value: string): { value: string; params: Record<string, string> };
  }
  const libmime: LibMime;
  export default libmime;
}
