import{a}from"./chunk-4ZAJA5SW.js";import"./chunk-VOFHRHXF.js";import"./chunk-WNBGXMWW.js";import"./chunk-PPB5Z2M7.js";export{a as StagePanel};
