'use strict';
// The "text" payload filler of the benchmarks: exactly n bytes of
// deterministic JSON-like ASCII text seeded by seed. It must produce the
// same bytes as TextPad in bench/internal/proto/textpad.go (same word
// list, same xorshift32 on 32-bit values); TestTextPadMatchesNode checks.

const WORDS = [
  'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel',
  'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa',
  'the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog',
  'message', 'channel', 'server', 'client', 'update', 'status', 'online', 'offline',
  'hello', 'world', 'meeting', 'tomorrow', 'at', 'noon', 'please', 'review',
  'this', 'latest', 'build', 'before', 'release', 'thanks', 'and', 'see',
  'you', 'soon', 'price', 'order', 'ticket', 'room', 'game', 'score',
  'level', 'player', 'red', 'green', 'blue', 'north', 'south', 'east',
];

function textPad(n, seed) {
  if (n <= 0) return '';
  let s = (Math.imul(seed >>> 0, 0x9e3779b9) ^ 0xa5a5a5a5) >>> 0;
  if (s === 0) s = 1;
  const next = () => {
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    return s;
  };
  const word = () => WORDS[next() % WORDS.length];
  let out = '[';
  while (out.length < n) {
    if (out.length > 1) out += ', ';
    out += "{'id': " + (next() % 100000);
    out += ", 'user': '" + word() + '_' + word();
    out += "', 'text': '";
    const words = 4 + (next() % 9);
    for (let i = 0; i < words; i++) {
      if (i > 0) out += ' ';
      out += word();
    }
    out += "', 'score': " + (next() % 1000) + '}';
  }
  return out.slice(0, n);
}

module.exports = { textPad };
