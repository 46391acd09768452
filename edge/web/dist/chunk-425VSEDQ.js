import{a}from"./chunk-JWYR2ICP.js";import"./chunk-VOFHRHXF.js";import"./chunk-DWA4OP5W.js";import"./chunk-PPB5Z2M7.js";export{a as StagePanel};
