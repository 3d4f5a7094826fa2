var a, b: int64;
begin
  assign(input, 'TONG.INP'); reset(input);
  assign(output, 'TONG.OUT'); rewrite(output);
  readln(a, b);
  writeln(a + b);
  close(output);
end.
