// IAB TCF: `euconsent-v2`, base64url segments of bits. The core segment's
// purpose consents (24 bits from bit 152), or the publisher segment's (type
// 3: 24 bits from bit 3) when present; a policy version below 4 asks again.
function readChoice(name, value, ids) {
  var segments = value.split('.');
  var bits = function (segment) {
    var alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', out = '';
    for (var i = 0; i < segment.length; i++) {
      var index = alphabet.indexOf(segment.charAt(i));
      if (index < 0) return null;
      out += ('00000' + index.toString(2)).slice(-6);
    }
    return out;
  };
  var core = bits(segments[0]);
  if (core === null || core.length < 176 || parseInt(core.slice(0, 6), 2) !== 2) return null;
  if (parseInt(core.slice(132, 138), 2) < 4) return null;
  var purposes = core.slice(152, 176);
  for (var s = 1; s < segments.length; s++) {
    var segment = bits(segments[s]);
    if (segment === null) return null;
    if (segment.length >= 27 && parseInt(segment.slice(0, 3), 2) === 3) purposes = segment.slice(3, 27);
  }
  var granted = [];
  for (var j = 0; j < ids.length; j++) {
    var purpose = parseInt(ids[j], 10);
    granted.push(purpose >= 1 && purpose <= 24 && purposes.charAt(purpose - 1) === '1');
  }
  return granted;
}
