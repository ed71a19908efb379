// Plotly in Simplified Chinese: the words of its mode bar and its date formats, registered as
// the locale "zh-CN" (after plotly.min.js, which the Python package carries without its locale
// files). `zhiliPlotly.config(c)` adds the page's locale to a chart's config, and
// `zhiliPlotly.dateAxis(axis)` gives a date axis Chinese tick and hover formats ("9月20日", not
// "Sep 20"). On an English page both leave Plotly as it is.
(function () {
  "use strict";
  const zh = /^zh/i.test(document.documentElement.lang || "");
  Plotly.register({
    moduleType: "locale",
    name: "zh-CN",
    dictionary: {
      "Autoscale": "自动缩放",
      "Box Select": "矩形框选",
      "Compare data on hover": "悬停时比较数据",
      "Double-click on legend to isolate one trace": "双击图例只看这一条线",
      "Double-click to zoom back out": "双击还原",
      "Download plot": "下载图表",
      "Download plot as a png": "下载为 PNG 图片",
      "Lasso Select": "套索选择",
      "Pan": "平移",
      "Reset": "重置",
      "Reset axes": "重置坐标轴",
      "Reset view": "重置视图",
      "Reset views": "重置视图",
      "Show closest data on hover": "悬停时显示最近的数据",
      "Toggle Spike Lines": "显示或隐藏辅助线",
      "Toggle show closest data on hover": "切换悬停时显示最近的数据",
      "Zoom": "缩放",
      "Zoom in": "放大",
      "Zoom out": "缩小",
    },
    format: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
      shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
      date: "%Y年%-m月%-d日",
      decimal: ".",
      thousands: ",",
    },
  });
  const DAY = 86400000;
  window.zhiliPlotly = {
    config: (c) => (zh ? Object.assign({ locale: "zh-CN" }, c) : c),
    dateAxis: (axis) => (zh ? Object.assign({
      tickformatstops: [
        { dtickrange: [null, DAY], value: "%-m月%-d日 %H:%M" },
        { dtickrange: [DAY, "M1"], value: "%-m月%-d日" },
        { dtickrange: ["M1", "M12"], value: "%Y年%-m月" },
        { dtickrange: ["M12", null], value: "%Y年" },
      ],
      hoverformat: "%Y年%-m月%-d日",
    }, axis) : axis),
  };
})();
