// No reader for the first source's format (or no source): a CMP's choice
// counts from the next page the server renders.
function readChoice() {
  return null;
}
