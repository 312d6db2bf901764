namespace VpxSharp.Tests;

/// <summary>Drives the raw bindings end to end: VP9 encoder config, init, controls, encode, packet iteration and decode.</summary>
public sealed unsafe class RawCodecTests
{
    public RawCodecTests() => IrohSocial.Tests.Shared.NativeRequirements.Libvpx();

    private const int Width = 160;
    private const int Height = 120;

    [Fact]
    public void EncodeThenDecode_Vp9_FrameSizeAndKeyFlagRoundTrip()
    {
        vpx_codec_enc_cfg_t cfg;
        Assert.Equal(vpx_codec_err_t.VPX_CODEC_OK, Vpx.vpx_codec_enc_config_default(Vpx.vpx_codec_vp9_cx(), &cfg, 0));
        cfg.g_w = Width;
        cfg.g_h = Height;
        cfg.g_timebase = new vpx_rational_t { num = 1, den = 24 };
        cfg.rc_target_bitrate = 200;
        cfg.g_lag_in_frames = 0;
        cfg.rc_end_usage = vpx_rc_mode.VPX_CBR;

        using var encoder = new VpxCodecContextHandle();
        Assert.Equal(vpx_codec_err_t.VPX_CODEC_OK, Vpx.vpx_codec_enc_init_ver(encoder, Vpx.vpx_codec_vp9_cx(), &cfg, default, Vpx.VPX_ENCODER_ABI_VERSION));
        Assert.Equal(vpx_codec_err_t.VPX_CODEC_OK, Vpx.vpx_codec_control_(encoder, (int)vp8e_enc_control_id.VP8E_SET_CPUUSED, 8));

        var pixels = new byte[Width * Height * 3 / 2];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7);
        }

        using var decoder = new VpxCodecContextHandle();
        vpx_codec_dec_cfg_t dcfg = new() { threads = 1 };
        Assert.Equal(vpx_codec_err_t.VPX_CODEC_OK, Vpx.vpx_codec_dec_init_ver(decoder, Vpx.vpx_codec_vp9_dx(), &dcfg, default, Vpx.VPX_DECODER_ABI_VERSION));

        var decoded = 0;
        fixed (byte* p = pixels)
        {
            vpx_image_t img;
            Assert.True(Vpx.vpx_img_wrap(&img, vpx_img_fmt_t.VPX_IMG_FMT_I420, Width, Height, 1, p) == &img);
            Assert.True(img.planes[1] == p + (Width * Height));
            for (var frame = 0; frame < 3; frame++)
            {
                var flags = new System.Runtime.InteropServices.CLong(frame == 2 ? Vpx.VPX_EFLAG_FORCE_KF : 0);
                Assert.Equal(vpx_codec_err_t.VPX_CODEC_OK, Vpx.vpx_codec_encode(encoder, &img, frame, new(1), flags, new(Vpx.VPX_DL_REALTIME)));
                void* iter = null;
                vpx_codec_cx_pkt_t* pkt;
                var packets = 0;
                while ((pkt = Vpx.vpx_codec_get_cx_data(encoder, &iter)) != null)
                {
                    Assert.Equal(vpx_codec_cx_pkt_kind.VPX_CODEC_CX_FRAME_PKT, pkt->kind);
                    packets++;
                    Assert.Equal(frame, pkt->data.frame.pts);
                    Assert.Equal(frame != 1, (pkt->data.frame.flags & Vpx.VPX_FRAME_IS_KEY) != 0);
                    Assert.Equal((uint)Width, pkt->data.frame.width[0]);

                    vpx_codec_stream_info_t si = new() { sz = (uint)sizeof(vpx_codec_stream_info_t) };
                    if (frame != 1)
                    {
                        Assert.Equal(vpx_codec_err_t.VPX_CODEC_OK, Vpx.vpx_codec_peek_stream_info(Vpx.vpx_codec_vp9_dx(), (byte*)pkt->data.frame.buf, (uint)pkt->data.frame.sz, &si));
                        Assert.Equal(((uint)Width, (uint)Height, 1u), (si.w, si.h, si.is_kf));
                    }

                    Assert.Equal(vpx_codec_err_t.VPX_CODEC_OK, Vpx.vpx_codec_decode(decoder, (byte*)pkt->data.frame.buf, (uint)pkt->data.frame.sz, null, default));
                    void* dIter = null;
                    vpx_image_t* output;
                    while ((output = Vpx.vpx_codec_get_frame(decoder, &dIter)) != null)
                    {
                        Assert.Equal((vpx_img_fmt_t.VPX_IMG_FMT_I420, (uint)Width, (uint)Height), (output->fmt, output->d_w, output->d_h));
                        decoded++;
                    }
                }

                Assert.Equal(1, packets);
            }
        }

        Assert.Equal(3, decoded);
    }

    [Fact]
    public void Decode_Garbage_ReturnsErrorWithDetailAndHandleStaysUsable()
    {
        using var decoder = new VpxCodecContextHandle();
        vpx_codec_dec_cfg_t dcfg = new() { threads = 1 };
        Assert.Equal(vpx_codec_err_t.VPX_CODEC_OK, Vpx.vpx_codec_dec_init_ver(decoder, Vpx.vpx_codec_vp9_dx(), &dcfg, default, Vpx.VPX_DECODER_ABI_VERSION));
        var garbage = new byte[] { 0xff, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a };
        fixed (byte* g = garbage)
        {
            var err = Vpx.vpx_codec_decode(decoder, g, (uint)garbage.Length, null, default);
            Assert.NotEqual(vpx_codec_err_t.VPX_CODEC_OK, err);
            Assert.Equal(err, decoder.LastError);
            Assert.False(string.IsNullOrEmpty(Vpx.PtrToString(Vpx.vpx_codec_error(decoder))));
        }
    }

    [Fact]
    public void EncInit_WrongAbiVersion_ReportsAbiMismatch()
    {
        vpx_codec_enc_cfg_t cfg;
        Assert.Equal(vpx_codec_err_t.VPX_CODEC_OK, Vpx.vpx_codec_enc_config_default(Vpx.vpx_codec_vp9_cx(), &cfg, 0));
        using var encoder = new VpxCodecContextHandle();
        Assert.Equal(vpx_codec_err_t.VPX_CODEC_ABI_MISMATCH, Vpx.vpx_codec_enc_init_ver(encoder, Vpx.vpx_codec_vp9_cx(), &cfg, default, Vpx.VPX_ENCODER_ABI_VERSION + 1));
    }
}
