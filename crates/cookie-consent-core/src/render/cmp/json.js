// Shared by the readers of JSON cookies.
function decodedJson(value) {
  try {
    var json = JSON.parse(value.charAt(0) === '{' ? value : decodeURIComponent(value));
    return json !== null && typeof json === 'object' ? json : null;
  } catch (err) {
    return null;
  }
}
