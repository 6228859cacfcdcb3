// OneTrust: `OptanonConsent`, a query string whose `groups` is `ID:0|1`
// joined by `,`; before the visitor chose (no interaction, no
// `OptanonAlertBoxClosed`) the groups are defaults, not a decision.
function readChoice(name, value, ids) {
  if (name !== 'OptanonConsent') return null;
  var params = {}, pairs = value.split('&');
  for (var i = 0; i < pairs.length; i++) {
    var at = pairs[i].indexOf('=');
    var key = at < 0 ? pairs[i] : pairs[i].slice(0, at);
    if (!(key in params)) params[key] = at < 0 ? '' : pairs[i].slice(at + 1);
  }
  var chose = params.interactionCount && params.interactionCount !== '0';
  if (!chose && d.cookie.indexOf('OptanonAlertBoxClosed=') < 0) return null;
  if (params.AwaitingReconsent === 'true' || params.groups === undefined) return null;
  var groups;
  try { groups = decodeURIComponent(params.groups.replace(/\+/g, ' ')).split(','); } catch (err) { return null; }
  var on = {};
  for (var j = 0; j < groups.length; j++) {
    var group = groups[j].split(':');
    if (!(group[0] in on)) on[group[0]] = group[1] === '1';
  }
  var granted = [];
  for (var m = 0; m < ids.length; m++) granted.push(on[ids[m]] === true);
  return granted;
}
