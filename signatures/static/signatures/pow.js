/* undersigned — proof of work for forms under attack. Our own code (AGPL, like the rest).
   Fetches a challenge (altcha's format) from the site itself, finds the number n with
   SHA-256(salt + n) == challenge, and puts the solution into the form's "altcha" field.
   Loaded only on statements where an editor switched the challenge on. */
(function () {
  "use strict";
  var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2];
  var W = new Int32Array(64), M = new Int32Array(64);

  function sha256hex(text) { // text is ASCII (hex salt, digits, "?&=")
    var n = text.length, blocks = ((n + 9 + 63) >> 6) << 4, i;
    var words = blocks <= 64 ? M : new Int32Array(blocks);
    words.fill(0);
    for (i = 0; i < n; i++) words[i >> 2] |= text.charCodeAt(i) << (24 - (i & 3) * 8);
    words[n >> 2] |= 0x80 << (24 - (n & 3) * 8);
    words[blocks - 1] = n * 8;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a,
      h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var b = 0; b < blocks; b += 16) {
      var a = h0, bb = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7, t1, t2, x, y;
      for (i = 0; i < 64; i++) {
        if (i < 16) { W[i] = words[b + i]; } else {
          x = W[i - 15]; y = W[i - 2];
          W[i] = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + W[i - 16] +
            (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + W[i - 7] | 0;
        }
        t1 = h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) + K[i] + W[i] | 0;
        t2 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & bb) ^ (a & c) ^ (bb & c)) | 0;
        h = g; g = f; f = e; e = d + t1 | 0; d = c; c = bb; bb = a; a = t1 + t2 | 0;
      }
      h0 = h0 + a | 0; h1 = h1 + bb | 0; h2 = h2 + c | 0; h3 = h3 + d | 0;
      h4 = h4 + e | 0; h5 = h5 + f | 0; h6 = h6 + g | 0; h7 = h7 + h | 0;
    }
    var out = "", hs = [h0, h1, h2, h3, h4, h5, h6, h7];
    for (i = 0; i < 8; i++) out += ("00000000" + (hs[i] >>> 0).toString(16)).slice(-8);
    return out;
  }

  function solve(box) {
    var input = box.querySelector("input[name=altcha]");
    var status = box.querySelector("[data-pow-status]");
    var form = box.closest("form");
    var button = form && form.querySelector("button[type=submit], button:not([type])");
    if (button) button.disabled = true;
    fetch(box.getAttribute("data-pow-url"), {credentials: "omit", cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (ch) {
        var n = 0, max = ch.maxNumber || 1000000;
        (function step() {
          var stop = Math.min(n + 20000, max + 1);
          for (; n < stop; n++) {
            if (sha256hex(ch.salt + n) === ch.challenge) {
              input.value = btoa(JSON.stringify({algorithm: ch.algorithm, challenge: ch.challenge,
                number: n, salt: ch.salt, signature: ch.signature}));
              if (status) status.textContent = status.getAttribute("data-done");
              if (button) button.disabled = false;
              return;
            }
          }
          if (n > max) throw new Error("unsolved");
          setTimeout(step, 0);
        })();
      })
      .catch(function () {
        if (status) status.textContent = status.getAttribute("data-failed");
        if (button) button.disabled = false;
      });
  }

  var boxes = document.querySelectorAll("[data-pow-url]");
  for (var i = 0; i < boxes.length; i++) solve(boxes[i]);
}());
