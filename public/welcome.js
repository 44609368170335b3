// Brandloom: on a person's first visit, open the welcome guide (chainlit.md, the "Readme").
// Chainlit shows chainlit.md only behind its header button; a newcomer should see it first.
(function () {
  var FLAG = "brandloom.welcomed";
  if (window.localStorage.getItem(FLAG)) return;
  var tries = 0;
  var timer = window.setInterval(function () {
    tries += 1;
    if (tries > 120 || window.location.pathname.indexOf("/login") === 0) {
      if (tries > 120) window.clearInterval(timer);
      return;
    }
    var buttons = Array.prototype.slice.call(document.querySelectorAll("button"));
    var readme = buttons.find(function (b) { return b.textContent.trim() === "Readme"; });
    if (!readme || !document.getElementById("chat-input")) return;
    window.clearInterval(timer);
    window.localStorage.setItem(FLAG, "1");
    readme.click();
  }, 500);
})();
