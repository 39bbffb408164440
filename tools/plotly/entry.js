'use strict';
/* plotly.js's src/core.js (v3.7.0) with only the components the tracker's charts use, and the
 * bar trace (scatter is in core). Compare with node_modules/plotly.js/src/core.js when upgrading.
 *
 * Registered: annotations (charts.js writes phone axis titles as annotations), shapes (the
 * legend reads them), colorscale, legend, fx (hover, "x unified"), modebar (hidden, but
 * plot_api reads its layout settings). Left out, as no figure uses them: annotations3d,
 * selections, images, updatemenus, sliders, rangeslider, rangeselector, grid, errorbars,
 * colorbar. The code other modules
 * require directly stays in the bundle; only the registration goes: plotly calls an
 * unregistered component's methods as no-ops. */

exports.version = require('plotly.js/src/version').version;

// inject promise polyfill
require('native-promise-only');

// inject plot css
require('plotly.js/build/plotcss');

// include registry module and expose register method
var Registry = require('plotly.js/src/registry');
var register = exports.register = Registry.register;

// expose plot api methods
var plotApi = require('plotly.js/src/plot_api');
var methodNames = Object.keys(plotApi);
for(var i = 0; i < methodNames.length; i++) {
    var name = methodNames[i];
    // _ -> private API methods, but still registered for internal use
    if(name.charAt(0) !== '_') exports[name] = plotApi[name];
    register({
        moduleType: 'apiMethod',
        name: name,
        fn: plotApi[name]
    });
}

// scatter is the only trace included by default
register(require('plotly.js/src/traces/scatter'));

// the components the charts use (core.js registers sixteen)
register([
    require('plotly.js/src/components/annotations'),
    require('plotly.js/src/components/shapes'),
    require('plotly.js/src/components/colorscale'),
    require('plotly.js/src/components/legend'),
    require('plotly.js/src/components/fx'), // after legend: unified hover defaults depend on it
    require('plotly.js/src/components/modebar')
]);

// locales en and en-US are required for default behavior
register([
    require('plotly.js/src/locale-en'),
    require('plotly.js/src/locale-en-us')
]);

// locales that are present in the window should be loaded
if(window.PlotlyLocales && Array.isArray(window.PlotlyLocales)) {
    register(window.PlotlyLocales);
    delete window.PlotlyLocales;
}

// plot icons
exports.Icons = require('plotly.js/src/fonts/ploticon');

// unofficial 'beta' plot methods, use at your own risk
var Fx = require('plotly.js/src/components/fx');
var Plots = require('plotly.js/src/plots/plots');

exports.Plots = {
    resize: Plots.resize,
    graphJson: Plots.graphJson,
    sendDataToCloud: Plots.sendDataToCloud
};
exports.Fx = {
    hover: Fx.hover,
    unhover: Fx.unhover,
    loneHover: Fx.loneHover,
    loneUnhover: Fx.loneUnhover
};
exports.Snapshot = require('plotly.js/src/snapshot');
exports.PlotSchema = require('plotly.js/src/plot_api/plot_schema');

// the traces beside scatter
register([require('plotly.js/src/traces/bar')]);
