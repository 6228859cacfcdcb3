// The cookie guard: the layer's decision on one Set-Cookie, in the page, for
// writes through document.cookie and the Cookie Store API. Read it beside
// src/decision.rs and src/syntax/expiry.rs: the same steps, the same dates.
//
// The server wraps this in `(function (d, w) { var n, e, p, u, c, g, s, k, x, q, t; … })`:
//   n  the consent cookie's name
//   e  exact cookie name -> category index
//   p  [prefix, category index], longest prefix first
//   u  undeclared names: -1 strip, -2 keep, else a category index
//   c  category ids, essential first;  g  granted, one flag per category
//   s  1 when the consent cookie is signed: then only the server writes it
//   k  the consent sources: [format, cookie (a prefix for complianz), ids,
//      per category the indexes of the ids that must all be granted]
//   x  other names a CMP or a signal source stores;  q  per category: denied
//      by the request's privacy signals, whatever a CMP records
//   t  storage keys: [key or prefix, 1 when a prefix, category index], longest
//      first (DESIGN §20)
// ES5, no dependency.

// A page whose template renders the guard and whose page layer adds one:
// the first guards, the second stands down.
if (w.cookieConsent) return;

// --- Reading a cookie string as Chromium reads it ---------------------------

// Space and tab: the only white space browsers trim in a cookie line.
function trim(s) {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

// Lower case for ASCII letters only, as Chromium compares attribute names.
function lowerAscii(s) {
  return s.replace(/[A-Z]+/g, function (m) { return m.toLowerCase(); });
}

// Chromium rejects a line holding a control character other than tab.
function hasControl(s) {
  return /[\x00-\x08\x0a-\x1f\x7f]/.test(s);
}

// Length in UTF-8 bytes, as the browser counts it (a lone surrogate is U+FFFD).
function utf8Length(s) {
  var n = 0;
  for (var i = 0; i < s.length; i++) {
    var unit = s.charCodeAt(i);
    if (unit < 0x80) n += 1;
    else if (unit < 0x800) n += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < s.length &&
             s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) < 0xe000) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

var MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// The bytes that separate a cookie date's tokens (':' holds a time together).
var DATE_DELIMITERS = /[\t !"#$%&'()*+,\-./;<=>?@[\\\]^_`{|}~]+/;

// An Expires value as milliseconds since the epoch, read with the cookie date
// algorithm as Chromium runs it; null when a part is missing or the date does
// not exist; Infinity past year 9999.
function cookieDate(value) {
  var time = null, day = null, month = null, year = null;
  var tokens = value.split(DATE_DELIMITERS);
  for (var i = 0; i < tokens.length; i++) {
    var t = tokens[i];
    if (t === '') continue;
    if (!/^[0-9]/.test(t)) {
      if (month === null) {
        var m = MONTHS.indexOf(lowerAscii(t.slice(0, 3)));
        if (m >= 0 && t.length >= 3) month = m + 1;
      }
    } else if (t.indexOf(':') >= 0) {
      if (time === null) {
        // In doubt (anything after the seconds), no time.
        var hms = /^([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})$/.exec(t);
        if (hms) time = [+hms[1], +hms[2], +hms[3]];
      }
    } else if (!/^[0-9]+$/.test(t)) {
      // '1st': Chromium and RFC 6265 read it differently; in doubt, no part.
    } else if (day === null && t.length <= 2) {
      day = parseInt(t, 10);
    } else if (year === null && t.length <= 5) {
      // Chromium takes it as the year; one or five digits: in doubt, no date.
      if (t.length < 2 || t.length > 4) return null;
      year = parseInt(t, 10);
    }
  }
  if (time === null || day === null || month === null || year === null) return null;
  if (year <= 69) year += 2000;
  else if (year <= 99) year += 1900;
  if (time[0] > 23 || time[1] > 59 || time[2] > 59) return null;
  if (year > 9999) return Infinity;
  var daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  if (month === 2) daysInMonth = (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  if (day < 1 || day > daysInMonth) return null;
  var at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(time[0], time[1], time[2], 0);
  return at.getTime();
}

// Whether the attributes of a cookie string make it a removal: the last
// Max-Age counts when it is a number (zero or less removes), else the last
// Expires (not after now removes). In doubt (a value over 1024 bytes) no.
function isRemoval(parts) {
  var maxAge = null, expires = null;
  for (var i = 1; i < parts.length; i++) {
    var attribute = trim(parts[i]);
    var eq = attribute.indexOf('=');
    var key = lowerAscii(trim(eq < 0 ? attribute : attribute.slice(0, eq)));
    var value = eq < 0 ? '' : trim(attribute.slice(eq + 1));
    // Chromium ignores a value this long; where exactly is not ours to guess.
    if (utf8Length(value) > 1024 && (key === 'max-age' || key === 'expires')) return false;
    if (key === 'max-age') maxAge = value;
    else if (key === 'expires') expires = value;
  }
  if (maxAge !== null && /^[+-]?[0-9]+$/.test(maxAge)) {
    return maxAge.charAt(0) === '-' || /^[+]?0+$/.test(maxAge);
  }
  if (expires === null) return false;
  var at = cookieDate(expires);
  return at !== null && at <= Date.now();
}

// --- The decision (src/decision.rs, step by step) ----------------------------

function categoryOf(name) {
  if (Object.prototype.hasOwnProperty.call(e, name)) return e[name];
  for (var i = 0; i < p.length; i++) if (name.lastIndexOf(p[i][0], 0) === 0) return p[i][1];
  return u;
}

function grants(name) {
  var i = categoryOf(name);
  return i === -2 || i === 0 || (i > 0 && g[i] === true);
}

// --- The consent sources: a CMP stores its choice, and the guard learns it ---

function sourceOf(name) {
  for (var i = 0; i < k.length; i++) {
    var cookie = k[i][1];
    if (k[i][0] === 'complianz' ? name.indexOf(cookie) === 0 : name === cookie) return k[i];
  }
  return null;
}

// The CMP's own cookies pass: without them it could never store the choice.
function isSourceCookie(name) {
  if (sourceOf(name) !== null) return true;
  for (var i = 0; i < x.length; i++) if (x[i] === name) return true;
  return false;
}

// A CMP wrote its cookie: from now on, writes follow that choice. Only the
// first source is learnt from, as the server reads the first that decides.
function learn(name, value) {
  var source = sourceOf(name);
  if (source === null || source !== k[0]) return;
  // `readChoice` is the first source's reader (`cmp/`), rendered after this file.
  var granted = readChoice(name, value, source[2]);
  if (granted === null) return;
  for (var i = 1; i < c.length; i++) {
    var required = source[3][i], ok = required.length > 0;
    for (var j = 0; j < required.length; j++) ok = ok && granted[required[j]];
    g[i] = ok && !q[i];
  }
  restore();
}

// Whether a page script may write the consent cookie: not when it is signed
// (the server alone can, and a script's value would only read as invalid).
function consentWritable() {
  return s !== 1;
}

// One document.cookie string: the consent cookie (unsigned) and removals pass;
// else the name's category must be essential or granted. No name, no write.
function allowed(line) {
  if (hasControl(line)) return false;
  var parts = line.split(';');
  var eq = parts[0].indexOf('=');
  if (eq < 0) return false;
  var name = trim(parts[0].slice(0, eq));
  if (name === n) return consentWritable();
  if (name !== '' && isSourceCookie(name)) {
    learn(name, trim(parts[0].slice(eq + 1)));
    return true;
  }
  return name !== '' && (isRemoval(parts) || grants(name));
}

// --- The hooks, in this window and in every same-origin window it opens ------

var guardedRealms = [];

// Defines `key` on `target` so that no page script can delete or redefine it.
function lock(target, key, descriptor) {
  descriptor.configurable = false;
  if ('value' in descriptor) descriptor.writable = false;
  Object.defineProperty(target, key, descriptor);
}

function guardDocument(W) {
  var prototypes = [W.Document && W.Document.prototype, W.HTMLDocument && W.HTMLDocument.prototype];
  for (var i = 0; i < prototypes.length; i++) {
    var proto = prototypes[i];
    var native = proto && Object.getOwnPropertyDescriptor(proto, 'cookie');
    if (!native || !native.configurable) continue;
    (function (native) {
      lock(proto, 'cookie', {
        enumerable: native.enumerable,
        get: function () { return native.get.call(this); },
        // The value is read once: a toString that changes its answer cannot win.
        set: function (value) {
          value = String(value);
          if (allowed(value)) native.set.call(this, value);
        }
      });
    })(native);
  }
}

function guardCookieStore(W) {
  var proto = W.CookieStore && W.CookieStore.prototype;
  var set = proto && proto.set;
  if (typeof set !== 'function') return;
  lock(proto, 'set', {
    enumerable: true,
    value: function (nameOrOptions, value) {
      // Each argument is read once, into a copy the native call gets.
      var options = {};
      if (nameOrOptions !== null && typeof nameOrOptions === 'object') {
        var keys = ['name', 'value', 'expires', 'domain', 'path', 'sameSite', 'partitioned'];
        for (var i = 0; i < keys.length; i++) {
          var v = nameOrOptions[keys[i]];
          if (v !== undefined) options[keys[i]] = v;
        }
      } else {
        options.name = nameOrOptions;
        options.value = value;
      }
      options.name = String(options.name);
      if (options.value !== undefined) options.value = String(options.value);
      if (options.expires !== undefined && options.expires !== null) options.expires = Number(options.expires);
      var name = options.name;
      var removal = typeof options.expires === 'number' && options.expires <= Date.now();
      var ok = !hasControl(name) && name !== '' &&
        (name === n ? consentWritable() : isSourceCookie(name) || removal || (grants(name) && grants(trim(name))));
      if (ok && isSourceCookie(name) && options.value !== undefined) learn(name, options.value);
      return ok ? set.call(this, options) : Promise.resolve();
    }
  });
}

// A same-origin child window is guarded before a script can use it: when it
// is reached through an element, window.open, or after any DOM insertion
// (which is when an about:blank frame comes to be).
function guardWindow(W) {
  var realm;
  try { realm = W.Document.prototype; } catch (err) { return; } // another origin
  if (!realm || guardedRealms.indexOf(realm) >= 0) return;
  guardedRealms.push(realm);
  guardDocument(W);
  guardCookieStore(W);
  guardWays(W);
}

function guardChildren(W) {
  var count = 0;
  try { count = W.length; } catch (err) { return; }
  for (var i = 0; i < count; i++) {
    var child;
    try { child = W[i]; } catch (err) { continue; }
    guardWindow(child);
    guardChildren(child);
  }
}

function afterward(target, key) {
  var native = target && Object.getOwnPropertyDescriptor(target, key);
  if (!native || !native.configurable) return;
  if (typeof native.value === 'function') {
    var f = native.value;
    lock(target, key, {
      enumerable: native.enumerable,
      value: function () { var r = f.apply(this, arguments); guardChildren(w); return r; }
    });
  } else if (native.set) {
    lock(target, key, {
      enumerable: native.enumerable,
      get: native.get,
      set: function (v) { native.set.call(this, v); guardChildren(w); }
    });
  }
}

function guardWays(W) {
  var frames = ['HTMLIFrameElement', 'HTMLFrameElement', 'HTMLObjectElement'];
  for (var i = 0; i < frames.length; i++) {
    var proto = W[frames[i]] && W[frames[i]].prototype;
    if (!proto) continue;
    ['contentWindow', 'contentDocument'].forEach(function (key) {
      var native = Object.getOwnPropertyDescriptor(proto, key);
      if (!native || !native.get || !native.configurable) return;
      lock(proto, key, {
        enumerable: native.enumerable,
        get: function () {
          var r = native.get.call(this);
          if (r) guardWindow(key === 'contentWindow' ? r : r.defaultView);
          return r;
        }
      });
    });
  }
  var open = W.open;
  if (typeof open === 'function') {
    lock(W, 'open', {
      enumerable: true,
      value: function () {
        var opened = open.apply(this, arguments);
        if (opened) guardWindow(opened);
        return opened;
      }
    });
  }
  var node = W.Node && W.Node.prototype, element = W.Element && W.Element.prototype;
  ['appendChild', 'insertBefore', 'replaceChild'].forEach(function (k) { afterward(node, k); });
  ['append', 'prepend', 'before', 'after', 'replaceWith', 'insertAdjacentElement',
   'insertAdjacentHTML', 'innerHTML', 'outerHTML', 'setHTMLUnsafe'].forEach(function (k) { afterward(element, k); });
  var doc = W.Document && W.Document.prototype;
  ['write', 'writeln', 'append', 'prepend'].forEach(function (k) { afterward(doc, k); });
  var fragment = W.DocumentFragment && W.DocumentFragment.prototype;
  ['append', 'prepend'].forEach(function (k) { afterward(fragment, k); });
}

guardWindow(w);

// --- Storage: declared keys of ungranted categories neither written nor kept -

// The category index of a storage key, or -1 when the policy does not declare it.
function storageCategory(key) {
  key = String(key);
  for (var i = 0; i < t.length; i++) {
    if (t[i][1] === 1 ? key.indexOf(t[i][0]) === 0 : key === t[i][0]) return t[i][2];
  }
  return -1;
}

function storageAllowed(key) {
  var i = storageCategory(key);
  return i < 0 || i === 0 || g[i] === true;
}

// Each page load removes what a withdrawn consent no longer covers.
function purgeStorage() {
  ['localStorage', 'sessionStorage'].forEach(function (area) {
    try {
      var store = w[area];
      for (var i = store.length - 1; i >= 0; i--) {
        var key = store.key(i);
        if (key !== null && !storageAllowed(key)) store.removeItem(key);
      }
    } catch (e) { /* storage may be closed to this page */ }
  });
}

if (t.length > 0 && w.Storage) {
  (function (native) {
    lock(w.Storage.prototype, 'setItem', {
      value: function (key, value) {
        key = String(key);
        if (!storageAllowed(key)) return undefined;
        return native.call(this, key, value);
      }
    });
  })(w.Storage.prototype.setItem);
  purgeStorage();
}

// --- What the server neutralised, restored when its category is granted ----

// The page layer left `data-consent-blocked`, the category and the URLs under
// `data-consent-*`. Restored in document order; a script is made anew, so it
// runs, in order (`async = false`) unless it was async.
function restore() {
  if (!d.querySelectorAll) return;
  var blocked = d.querySelectorAll('[data-consent-blocked][data-consent-category]');
  for (var i = 0; i < blocked.length; i++) {
    var el = blocked[i], index = c.indexOf(el.getAttribute('data-consent-category'));
    if (index < 0 || (index > 0 && g[index] !== true)) continue;
    restoreElement(el);
  }
}

function restoreElement(el) {
  var tag = el.tagName.toLowerCase();
  var attributes = Array.prototype.slice.call(el.attributes);
  if (tag === 'script') {
    var script = d.createElement('script');
    for (var i = 0; i < attributes.length; i++) {
      var name = attributes[i].name;
      if (name === 'type' || name.indexOf('data-consent-') === 0) continue;
      script.setAttribute(name, attributes[i].value);
    }
    var kind = el.getAttribute('data-consent-type');
    if (kind !== null) script.setAttribute('type', kind);
    var src = el.getAttribute('data-consent-src');
    if (src !== null) {
      if (!el.hasAttribute('async')) script.async = false;
      script.setAttribute('src', src);
    } else {
      script.text = el.text;
    }
    el.parentNode.replaceChild(script, el);
    return;
  }
  ['src', 'srcset', 'href', 'imagesrcset'].forEach(function (name) {
    var value = el.getAttribute('data-consent-' + name);
    if (value === null) return;
    el.removeAttribute('data-consent-' + name);
    el.setAttribute(name, value);
  });
  el.removeAttribute('data-consent-blocked');
  if (tag === 'iframe') {
    el.removeAttribute('hidden');
    var placeholder = el.previousElementSibling;
    if (placeholder && placeholder.hasAttribute('data-consent-placeholder')) {
      placeholder.parentNode.removeChild(placeholder);
    }
  }
}

// --- What the page may ask ---------------------------------------------------

w.cookieConsent = {
  get granted() {
    return c.filter(function (id, i) { return i === 0 || g[i] === true; });
  },
  allows: function (id) {
    var i = c.indexOf(id);
    return i === 0 || (i > 0 && g[i] === true);
  },
  update: function (ids) {
    ids = Array.prototype.slice.call(ids);
    g = c.map(function (id, i) { return i === 0 || ids.indexOf(id) >= 0; });
    restore();
    purgeStorage();
  }
};
