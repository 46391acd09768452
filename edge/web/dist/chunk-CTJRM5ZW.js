import{a}from"./chunk-2IRLNJSJ.js";import"./chunk-VOFHRHXF.js";import"./chunk-36K3HZDA.js";import"./chunk-PPB5Z2M7.js";export{a as StagePanel};
