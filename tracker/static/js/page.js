/* Small behaviours of the pages, bound from data-* attributes instead of inline handlers
 * (onclick=..., which the Content-Security-Policy refuses):
 *   <button data-print>            prints the page (reports: "Print or save as PDF");
 *   <input data-select-on-focus>   selects its whole text when focused (an address to copy). */
"use strict";
(function () {
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print]") : null;
    if (target) window.print();
  });
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-on-focus]")) target.select();
  });
})();
