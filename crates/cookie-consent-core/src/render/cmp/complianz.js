// Complianz: one `cmplz_<category>` cookie per category, `allow` or `deny`,
// and `cmplz_banner-status=dismissed` once the visitor chose. A write is one
// of them: the others are read from the jar, this one as it is written.
function readChoice(name, value, ids) {
  var prefix = k[0][1], values = {}, jar = d.cookie.split(';');
  for (var i = 0; i < jar.length; i++) {
    var pair = trim(jar[i]), at = pair.indexOf('=');
    if (at > 0 && pair.indexOf(prefix) === 0) values[pair.slice(prefix.length, at)] = pair.slice(at + 1);
  }
  values[name.slice(prefix.length)] = value;
  if (values['banner-status'] !== 'dismissed') return null;
  var granted = [];
  for (var j = 0; j < ids.length; j++) granted.push(values[ids[j]] === 'allow');
  return granted;
}
