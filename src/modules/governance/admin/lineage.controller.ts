import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { AdminAuthGuard } from '../access/admin-auth.guard';
import { RequirePermission } from '../access/require-permission';
import { LineageService } from '../registry/lineage.service';
import { ApiOperation } from '@common';

@Controller('admin/lineage')
@UseGuards(AdminAuthGuard)
export class LineageController {
  constructor(private readonly lineage: LineageService) {}

  @Get('requests/:requestId')
  @ApiOperation({ summary: 'Lineage of a served request: response, model, snapshot, training run' })
  @RequirePermission('lineage', 'read')
  forRequest(@Param('requestId') requestId: string) {
    return this.lineage.forRequest(requestId);
  }

  @Get('snapshots/:snapshotId')
  @ApiOperation({ summary: 'Lineage of a dataset snapshot: the models trained on it' })
  @RequirePermission('lineage', 'read')
  forSnapshot(@Param('snapshotId') snapshotId: string) {
    return this.lineage.forSnapshot(snapshotId);
  }

  @Get('models/:id')
  @ApiOperation({ summary: 'Lineage of a model: snapshot, training run, gates, transitions' })
  @RequirePermission('lineage', 'read')
  forModel(@Param('id') id: string) {
    return this.lineage.forModel(id);
  }
}
