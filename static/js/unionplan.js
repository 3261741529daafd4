// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-autosubmit]")) {
    event.target.form.submit();
  }
});

// Evidence files are checked before anything is sent: a 20 MB scan is refused at once, not after
// a long upload on a phone. The server checks again. Messages come translated in data-* attributes
// of the field's .file-check element.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) {
    return;
  }
  var box = input.parentNode.querySelector(".file-check");
  var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
  var maxFiles = parseInt(input.getAttribute("data-max-files") || "0", 10);
  var accepted = (input.getAttribute("accept") || "").toLowerCase().split(",").filter(Boolean);
  var problems = [];
  if (maxFiles && input.files.length > maxFiles) {
    problems.push(box.getAttribute("data-too-many"));
  }
  Array.prototype.forEach.call(input.files, function (file) {
    var dot = file.name.lastIndexOf(".");
    var suffix = dot < 0 ? "" : file.name.slice(dot).toLowerCase();
    if (accepted.length && accepted.indexOf(suffix) < 0) {
      problems.push(box.getAttribute("data-wrong-type").replace("{name}", file.name));
    } else if (file.size > maxBytes) {
      problems.push(box.getAttribute("data-too-large").replace("{name}", file.name));
    }
  });
  box.textContent = problems.join(" ");
  if (problems.length) {
    input.value = "";  // nothing refused is sent; the user picks again
  }
});
