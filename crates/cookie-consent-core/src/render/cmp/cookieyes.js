// CookieYes: `cookieyes-consent`, `key:value` pairs joined by `,`; an empty
// `action` is no decision; a slug named twice counts only if always `yes`.
function readChoice(name, value, ids) {
  var text;
  try { text = decodeURIComponent(value); } catch (err) { return null; }
  var yes = {}, no = {}, action = '', fields = text.split(',');
  for (var i = 0; i < fields.length; i++) {
    var at = fields[i].indexOf(':');
    if (at < 0) return null;
    var key = fields[i].slice(0, at), answer = fields[i].slice(at + 1);
    if (key === 'action') action = answer;
    else if (answer === 'yes') yes[key] = true;
    else if (answer === 'no') no[key] = true;
  }
  if (action === '') return null;
  var granted = [];
  for (var j = 0; j < ids.length; j++) granted.push(yes[ids[j]] === true && no[ids[j]] !== true);
  return granted;
}
