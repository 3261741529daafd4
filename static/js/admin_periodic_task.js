// Admin → Periodic tasks → a task's form: under the crontab field, the chosen schedule in words,
// and the read-only "crontab translation" row hidden. django-celery-beat does this in an inline
// script, which the Content-Security-Policy refuses; templates/admin/djcelery/ loads this instead.
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  var data = document.getElementById("readable-crontabs");
  if (!$ || !data) { return; }
  var readable = JSON.parse(data.textContent);
  var help = $(".field-crontab .help");
  var original = help.html();
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var words = readable[$("#id_crontab").val()];
    help.html(original);
    if (words) { help.append("<br>", document.createTextNode(words)); }
  });
})();
