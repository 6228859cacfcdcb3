// Klaro: `klaro`, JSON of service -> bool; a service it lacks asks again.
function readChoice(name, value, ids) {
  var json = decodedJson(value);
  if (json === null) return null;
  var granted = [];
  for (var i = 0; i < ids.length; i++) {
    if (typeof json[ids[i]] !== 'boolean') return null;
    granted.push(json[ids[i]] === true);
  }
  return granted;
}
