// Cookiebot: `CookieConsent`, an object literal `{necessary:true,statistics:false,…}`
// percent-encoded; `-1`: no consent needed (all granted), `0`: nothing.
function readChoice(name, value, ids) {
  var text;
  try { text = decodeURIComponent(value); } catch (err) { return null; }
  var granted = [], i;
  if (text === '-1' || text === '0') {
    for (i = 0; i < ids.length; i++) granted.push(text === '-1');
    return granted;
  }
  if (text.charAt(0) !== '{') return null;
  var seen = {}, fields = /(\w+):(true|false)/g, match;
  while ((match = fields.exec(text)) !== null) seen[match[1]] = match[2] === 'true';
  for (i = 0; i < ids.length; i++) granted.push(seen[ids[i]] === true);
  return granted;
}
