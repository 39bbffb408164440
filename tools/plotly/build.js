'use strict';
/* Builds tracker/static/vendor/plotly-bar-scatter.min.js from entry.js and plotly.js's sources
 * (npm package plotly.js, the version in package.json), with esbuild as plotly's own build
 * does (esbuild-config.js of plotly.js: iife, global Plotly, es2016, minified), then writes it
 * compressed beside it, gzip (.gz, level 9) and brotli (.br, quality 11): the app sends those
 * files as they are, never compressing on a request. Prints the sizes and the checksum.
 *
 *     cd tools/plotly && npm install --ignore-scripts && npm run build
 */
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const esbuild = require('esbuild');

const version = require('plotly.js/package.json').version;
const out = path.resolve(__dirname, '../../tracker/static/vendor/plotly-bar-scatter.min.js');
const banner = `/**
* plotly.js (bar-scatter - minified) v${version}
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
* Built from plotly.js@${version} by the tracker's tools/plotly (entry.js): core, scatter, bar.
*/`;

esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile: out,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    target: 'es2016',
    // as plotly's build: no Node globals in a page
    define: {global: 'window', 'define.amd': 'false'},
    alias: {stream: 'stream-browserify'},
    // the map traces' stylesheet (required by src/registry.js, never registered here)
    loader: {'.css': 'empty'},
    banner: {js: banner},
    legalComments: 'eof',
    logLevel: 'warning',
});

const raw = fs.readFileSync(out);
const gz = zlib.gzipSync(raw, {level: 9});  // header without file name or time: reproducible
fs.writeFileSync(out + '.gz', gz);
const br = zlib.brotliCompressSync(raw, {params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
}});
fs.writeFileSync(out + '.br', br);
const kB = (n) => `${(n / 1e6).toFixed(3)} MB`;
console.log(`${path.basename(out)}: ${kB(raw.length)}, gzip -9 ${kB(gz.length)}, ` +
            `brotli 11 ${kB(br.length)}`);
console.log(`sha256 ${crypto.createHash('sha256').update(raw).digest('hex')}`);
