// vanilla-cookieconsent: `cc_cookie`, JSON whose `categories` (v2: `level`)
// lists the accepted ones; no id or time yet is no decision.
function readChoice(name, value, ids) {
  var json = decodedJson(value);
  if (json === null) return null;
  var list = json.categories || json.level;
  if (!(list instanceof Array) || !(json.consentId || json.consent_uuid)) return null;
  var granted = [];
  for (var i = 0; i < ids.length; i++) granted.push(list.indexOf(ids[i]) >= 0);
  return granted;
}
